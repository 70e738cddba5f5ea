def test_probe(app, seed, client):
    h = {"Authorization": f"Bearer {seed.tokens['staff']}"}
    r = client.post("/api/v1/families", json={"zzz": 1}, headers=h)
    print("\nA", r.get_data(as_text=True)[:80], r.headers.get("Set-Cookie"))
    r = client.post("/api/v1/families", json={"zzz": 1}, headers={**h, "Accept-Language": "en"})
    print("\nB", r.get_data(as_text=True)[:80])
