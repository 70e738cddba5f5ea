"""Files as parishes have them: real xlsx files (openpyxl), CSVs in each encoding and
separator Excel in Chile uses; and files that must be refused before parsing."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from tests.imports import files
from voucher.imports import rules
from voucher.imports.reading import (
    MAX_ROWS,
    FileTooLarge,
    TooManyRows,
    UnreadableFile,
    read_sheet,
)

ROWS = [
    ["Jefe(a) de hogar", "RUT", "Dirección", "N° integrantes", "Color favorito"],
    ["José Ñúñez Pérez", "12.345.678-5", "Pasaje Güemes 12", "4", "azul"],
]


@pytest.mark.parametrize(
    ("sep", "encoding"),
    [(";", "utf-8-sig"), (";", "utf-8"), (",", "utf-8-sig"), (",", "utf-8"), (";", "cp1252")],
)
def test_csv_in_each_encoding_and_separator_reads_the_same(sep, encoding):
    sheet = read_sheet(files.csv_bytes(ROWS, sep=sep, encoding=encoding))
    assert sheet.separator == sep
    assert sheet.rows[1] == (2, ROWS[1])
    columns = rules.find_columns(sheet)
    assert set(columns.index) == {"head_name", "document_number", "address", "household_size"}
    assert columns.unknown == ["Color favorito"]


def test_windows_1252_accents_without_bom_are_read_right():
    data = "Nombre;RUT\r\nMaría Ñuñoa Güell;12.345.678-5\r\n".encode("cp1252")
    assert b"\xef\xbb\xbf" not in data
    sheet = read_sheet(data)
    assert sheet.encoding == "cp1252"
    assert sheet.rows[1][1][0] == "María Ñuñoa Güell"


def test_xlsx_reads_cached_formula_values_never_the_formula(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Nombre", "RUT", "Integrantes"])
    sheet.append(["Ana Soto", "12.345.678-5", "=1+2"])
    path = tmp_path / "f.xlsx"
    book.save(path)
    # Excel keeps the formula's last value beside it: put "3" there, as Excel would.
    source = zipfile.ZipFile(path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert b"<f>1+2</f><v />" in content
                content = content.replace(b"<f>1+2</f><v />", b"<f>1+2</f><v>3</v>")
            target.writestr(item, content)
    read = read_sheet(buffer.getvalue())
    assert read.rows[1][1] == ["Ana Soto", "12.345.678-5", "3"]


def test_xlsx_numbers_read_as_people_typed_them():
    data = files.xlsx([["Nombre", "RUT", "Integrantes"], ["Ana", 123456785, 3.0]])
    assert read_sheet(data).rows[1] == (2, ["Ana", "123456785", "3"])


def test_header_variants_accents_and_case_ignored():
    for title, name in [
        ("JEFE(A) DE HOGAR", "head_name"),
        ("Nombre jefa o jefe de hogar", "head_name"),
        ("Nº Integrantes", "household_size"),
        ("Número de integrantes", "household_size"),
        ("telefono", "phone"),
        ("Niños", "household_children"),
        ("RUT o documento", "document_number"),
        ("Pasaporte", "document_number"),
        ("Dirección ", "address"),
        ("Observaciones", "notes"),
        ("Autoriza uso de datos", "consent"),
        ("Color favorito", None),
    ]:
        assert rules.column_for(title) == name, title


def test_a_title_row_above_the_header_is_passed_over():
    data = files.xlsx([["Nombre", "RUT"], ["Ana", "1-9"]], title_rows=[["Lista Cáritas 2026"], []])
    sheet = read_sheet(data)
    assert rules.find_columns(sheet).header_line == 3


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "vacío"),
        (b"   \r\n\r\n", "vacío"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls antiguos"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 20, "no es una planilla"),
        (b"PK\x03\x04" + b"\x00" * 100, "dañado"),
    ],
)
def test_unreadable_files_say_why(data, words):
    with pytest.raises(UnreadableFile) as caught:
        read_sheet(data)
    assert words in caught.value.detail


def test_a_sheet_without_name_or_document_column_is_refused():
    with pytest.raises(UnreadableFile) as caught:
        rules.find_columns(read_sheet(files.csv_bytes([["Nombre", "Dirección"], ["Ana", "X"]])))
    assert "columna del documento" in caught.value.detail
    with pytest.raises(UnreadableFile) as caught:
        rules.find_columns(read_sheet(files.csv_bytes([["a", "b"], ["1", "2"]])))
    assert "fila de títulos" in caught.value.detail


def test_oversize_and_too_many_rows_are_refused_before_parsing():
    with pytest.raises(FileTooLarge):
        read_sheet(b"x" * (5 * 1024 * 1024 + 1))
    with pytest.raises(TooManyRows):
        read_sheet(b"Nombre;RUT\n" + b"a;1\n" * (MAX_ROWS + 1))
    rows = [["Nombre", "RUT"]] + [["a", "1"]] * (MAX_ROWS + 1)
    with pytest.raises(TooManyRows):
        read_sheet(files.xlsx(rows))


def test_a_zip_bomb_is_refused_before_it_is_expanded():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (80 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    with pytest.raises(UnreadableFile) as caught:
        read_sheet(data)
    assert "se expande" in caught.value.detail


def test_rejected_rows_csv_neutralises_formulas_and_adds_motivo():
    text = rules.rejected_csv(["Nombre", "RUT"], [(["=HYPERLINK(1)", "@x"], "-mal")])
    lines = text.splitlines()
    assert lines[0] == "Nombre;RUT;motivo"
    assert lines[1] == "'=HYPERLINK(1);'@x;'-mal"
