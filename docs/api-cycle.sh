#!/usr/bin/env bash
# A whole cycle through the Vales JSON API with curl:
#   program → fund → family → enrolment → voucher → printable PDF → redemption at a shop
#   → settlement → the shop's statement.
# Needs the server address and API tokens (Mi cuenta → Tokens, or `flask --app wsgi tokens
# create EMAIL`) of an admin, a staff member, a treasurer and a shopkeeper of one parish:
#   VALES=http://127.0.0.1:5000 ADMIN=… STAFF=… TREASURER=… SHOP=… bash docs/api-cycle.sh
set -euo pipefail
: "${VALES:?server address}" "${ADMIN:?admin token}" "${STAFF:?staff token}"
: "${TREASURER:?treasurer token}" "${SHOP:?shopkeeper token}"
OUT=${OUT:-$(mktemp -d)}
TODAY=$(TZ=America/Santiago date +%F)
RUN=$(date +%s%N)

api() {  # api TOKEN METHOD PATH [JSON] — prints the response body, fails on HTTP errors
  local token=$1 method=$2 path=$3 body=${4:-}
  curl -sS --fail-with-body -X "$method" "$VALES/api/v1$path" \
    -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
    -H "Idempotency-Key: $RUN-$method-$path" ${body:+--data "$body"}
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
rut() {  # a valid Chilean RUT (modulo-11 check digit) that no one has used yet
  python3 -c "
import sys; n = 20000000 + int(sys.argv[1]) % 9000000; s, f = 0, 2
for d in reversed(str(n)): s += int(d) * f; f = 2 if f == 7 else f + 1
print(f'{n}-' + {10: 'K', 11: '0'}.get(11 - s % 11, str(11 - s % 11)))" "$RUN"
}

echo "1. The admin creates a food program"
PROGRAM=$(api "$ADMIN" POST /programs "{\"name\": \"Canasta $RUN\", \"category\": \"food\",
  \"voucher_amount\": 15000, \"validity_days\": 30, \"cycle\": \"monthly\", \"per_cycle_limit\": 1}" | field "['id']")

echo "2. The treasurer records money received for it"
api "$TREASURER" POST /funds "{\"program_id\": $PROGRAM, \"amount\": 150000, \"received_on\": \"$TODAY\",
  \"source\": \"Colecta\", \"reference\": \"DEP-$RUN\"}" >/dev/null

echo "3. Staff register a family and enrol it"
FAMILY=$(api "$STAFF" POST /families "{\"head_name\": \"María Nuñez\", \"document_type\": \"rut\",
  \"document_number\": \"$(rut)\", \"household_size\": 4, \"consent\": true}" | field "['id']")
api "$STAFF" POST "/programs/$PROGRAM/enrolments" "{\"family_id\": $FAMILY}" >/dev/null

echo "4. Staff issue a voucher and download it to print"
VOUCHER_JSON=$(api "$STAFF" POST /vouchers "{\"family_id\": $FAMILY, \"program_id\": $PROGRAM}")
VOUCHER=$(echo "$VOUCHER_JSON" | field "['id']")
CODE=$(echo "$VOUCHER_JSON" | field "['code']")
curl -sS --fail-with-body -H "Authorization: Bearer $STAFF" "$VALES/api/v1/vouchers/$VOUCHER/pdf" \
  -o "$OUT/voucher.pdf"
echo "   voucher $(echo "$VOUCHER_JSON" | field "['serial']"), printed to $OUT/voucher.pdf"

echo "5. The shop looks the code up and charges 12.000 of it"
api "$SHOP" GET "/vouchers/by-code/$CODE" | field "['remaining']" >/dev/null
REDEMPTION=$(api "$SHOP" POST /redemptions "{\"code\": \"$CODE\", \"amount\": 12000}")
echo "   receipt $(echo "$REDEMPTION" | field "['id']"), voucher balance $(echo "$REDEMPTION" | field "['voucher']['remaining']")"

echo "6. The treasurer sees what is owed to the shop and pays it"
SHOP_ID=$(api "$SHOP" GET /me | field "['shop_id']")
api "$TREASURER" GET "/shops/$SHOP_ID/balance" | field "['owed']" >/dev/null
SETTLEMENT=$(api "$TREASURER" POST /settlements "{\"shop_id\": $SHOP_ID, \"through\": \"$TODAY\",
  \"method\": \"transfer\", \"reference\": \"TRF-$RUN\"}")
echo "   paid $(echo "$SETTLEMENT" | field "['amount']") for $(echo "$SETTLEMENT" | field "['redemption_count']") redemption(s)"

echo "7. The shop's statement for the month, as PDF and CSV"
MONTH=$(TZ=America/Santiago date +%Y-%m-01)
curl -sS --fail-with-body -H "Authorization: Bearer $TREASURER" \
  "$VALES/api/v1/shops/$SHOP_ID/statement.pdf?from=$MONTH&to=$TODAY" -o "$OUT/statement.pdf"
curl -sS --fail-with-body -H "Authorization: Bearer $TREASURER" \
  "$VALES/api/v1/shops/$SHOP_ID/statement.csv?from=$MONTH&to=$TODAY" -o "$OUT/statement.csv"
echo "Done: $OUT/statement.pdf, $OUT/statement.csv"
