"""Shop spreadsheets as parishes keep them (written with the writers of files.py)."""

from __future__ import annotations

from tests.factories import rut_for

HEADER = [
    "Nombre de fantasía",
    "RUT",
    "Dueña/o",
    "Dirección",
    "Teléfono",
    "Rubro",
    "Banco",
    "Tipo de cuenta",
    "N° de cuenta",
    "Correo",
    "Horario",  # not a shop column: shown and ignored
]


def shop_row(n: int, **kw) -> list:
    row = {
        "name": f"Almacén Ñandú {n}",
        "rut": rut_for(7000 + n),
        "owner": "José Peña",
        "address": f"Av. Central {n}",
        "phone": f"+56 9 {n:08d}",
        "categories": "Alimentos y aseo",
        "bank": "BancoEstado",
        "kind": "Cuenta corriente",
        "number": f"{n:08d}",
        "email": f"tienda{n}@example.cl",
        "hours": "9 a 18",
    }
    row.update(kw)
    return list(row.values())


def mixed_rows() -> list[list]:
    """The header and one row of each problem (line numbers in comments)."""
    return [
        HEADER,  # 1
        shop_row(1),  # 2 ok
        shop_row(2, rut="12.345.678-9"),  # 3 bad check digit (should be 5)
        shop_row(3, name=""),  # 4 no name
        shop_row(4, categories="ferretería"),  # 5 no category recognised
        shop_row(5, rut=rut_for(7001)),  # 6 duplicate of line 2
        shop_row(6, categories="Higiene"),  # 7 ok
    ]
