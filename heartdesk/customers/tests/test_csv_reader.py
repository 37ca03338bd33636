"""The CSV reader takes a whole file or refuses it whole; pure functions, no database."""

import codecs

import pytest

from heartdesk.customers.csv_reader import CsvError, CsvTable, read_csv

EXCEL = "This looks like an Excel workbook, not a CSV file; save it as CSV (UTF-8) and try again."


def values(table: CsvTable) -> list[dict[str, str]]:
    return [row for _, row in table.rows]


def lines(table: CsvTable) -> list[int]:
    return [line for line, _ in table.rows]


def refusal(data: bytes, **kwargs) -> str:
    with pytest.raises(CsvError) as caught:
        read_csv(data, **kwargs)
    assert str(caught.value) == caught.value.message
    return caught.value.message


# --- encodings --------------------------------------------------------------------------------------------


def test_it_reads_plain_comma_separated_utf8():
    table = read_csv("name,email\nZoë Ångström,zoe@example.com\n李雷,li@example.com\n".encode())
    assert table.headers == ["name", "email"]
    assert table.rows == [
        (2, {"name": "Zoë Ångström", "email": "zoe@example.com"}),
        (3, {"name": "李雷", "email": "li@example.com"}),
    ]
    assert (table.encoding, table.delimiter) == ("utf-8", ",")


def test_it_removes_the_utf8_byte_order_mark_from_the_first_header():
    table = read_csv(codecs.BOM_UTF8 + "email,name\na@example.com,Jörg\n".encode())
    assert table.headers == ["email", "name"]
    assert values(table) == [{"email": "a@example.com", "name": "Jörg"}]
    assert table.encoding == "utf-8"


def test_it_reads_semicolon_separated_latin1():
    data = "Name;Stadt;E-Mail\nMüller;Köln;m@example.de\nGößmann;Düsseldorf;g@example.de\n".encode("latin-1")
    table = read_csv(data)
    assert table.delimiter == ";"
    assert table.encoding in ("cp1252", "latin-1")
    assert values(table) == [
        {"Name": "Müller", "Stadt": "Köln", "E-Mail": "m@example.de"},
        {"Name": "Gößmann", "Stadt": "Düsseldorf", "E-Mail": "g@example.de"},
    ]


def test_it_reads_cp1252_with_curly_quotes_and_the_euro_sign():
    data = "name,note\nAnna,“Hello” – it costs 5 €… ‘ok’\nCrème brûlée,Señor Peña\n".encode("cp1252")
    table = read_csv(data)
    assert table.encoding == "cp1252"
    assert values(table) == [
        {"name": "Anna", "note": "“Hello” – it costs 5 €… ‘ok’"},
        {"name": "Crème brûlée", "note": "Señor Peña"},
    ]


def test_it_reads_short_western_files_as_cp1252_whatever_charset_detection_guesses():
    assert values(read_csv("name\nbé\n".encode("latin-1"))) == [{"name": "bé"}]
    assert values(read_csv("name,city\nO’Brien,Dún Laoghaire\n".encode("cp1252"))) == [
        {"name": "O’Brien", "city": "Dún Laoghaire"}
    ]
    table = read_csv("name,note\nAna,¿Qué tal? 25°C «Oui» ACME®\n".encode("cp1252"))
    assert (table.encoding, values(table)) == (
        "cp1252",
        [{"name": "Ana", "note": "¿Qué tal? 25°C «Oui» ACME®"}],
    )


def test_it_reads_excel_unicode_text_which_is_tab_separated_utf16_with_bom():
    data = "Name\tE-Mail\r\nMüller\tm@example.de\r\nŁukasz\tl@example.pl\r\n".encode("utf-16")
    assert data.startswith(codecs.BOM_UTF16_LE)
    table = read_csv(data)
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert table.headers == ["Name", "E-Mail"]
    assert table.rows == [
        (2, {"Name": "Müller", "E-Mail": "m@example.de"}),
        (3, {"Name": "Łukasz", "E-Mail": "l@example.pl"}),
    ]


def test_it_reads_big_endian_utf16_with_bom():
    table = read_csv(codecs.BOM_UTF16_BE + "a;b\n1;Ü\n".encode("utf-16-be"))
    assert table.encoding == "utf-16"
    assert values(table) == [{"a": "1", "b": "Ü"}]


def test_it_reads_utf16_saved_without_a_byte_order_mark():
    table = read_csv("a,b\n1,Ü\n".encode("utf-16-le"))
    assert table.encoding == "utf-16"
    assert values(table) == [{"a": "1", "b": "Ü"}]


def test_it_reads_other_scripts_that_charset_detection_recognises():
    russian = read_csv("Имя,Город\nИван,Москва\n".encode("cp1251"))
    assert values(russian) == [{"Имя": "Иван", "Город": "Москва"}]
    data = "Jméno,Město\nJiří Dvořák,Brno\nŽofie Černá,České Budějovice\n".encode("cp1250")
    assert values(read_csv(data))[0] == {"Jméno": "Jiří Dvořák", "Město": "Brno"}
    polish = read_csv("name,city\nMichał Łukasz,Łódź\n".encode("cp1250"))
    assert (polish.encoding, values(polish)) == ("cp1250", [{"name": "Michał Łukasz", "city": "Łódź"}])


def test_it_refuses_a_file_that_mixes_utf8_with_another_encoding_naming_the_line():
    data = "name,city\nMüller,Köln\n".encode() + "Gößmann,Düsseldorf\n".encode("latin-1")
    message = refusal(data)
    assert "mixes two text encodings" in message
    assert "line 3" in message


def test_it_refuses_invalid_bytes_after_a_utf8_byte_order_mark_naming_the_line():
    message = refusal(codecs.BOM_UTF8 + b"a,b\n1,2\n3,M\xfcller\n")
    assert "line 3" in message
    assert "not valid UTF-8" in message


# --- separators -------------------------------------------------------------------------------------------


def test_it_reads_tab_separated():
    table = read_csv(b"name\temail\tnote\nAnn\ta@example.com\tsays, hi; ok\n")
    assert table.delimiter == "\t"
    assert values(table) == [{"name": "Ann", "email": "a@example.com", "note": "says, hi; ok"}]


def test_it_reads_pipe_separated():
    table = read_csv(b"name|email\nAnn, the 2nd|a@example.com\n")
    assert table.delimiter == "|"
    assert values(table) == [{"name": "Ann, the 2nd", "email": "a@example.com"}]


def test_it_sniffs_the_delimiter_outside_quotes_in_the_header():
    table = read_csv(b'"Name; full";"E-mail, work";Phone\nAnn;a@example.com;123\n')
    assert table.delimiter == ";"
    assert table.headers == ["Name; full", "E-mail, work", "Phone"]


def test_it_reads_a_single_column_file_without_any_delimiter():
    table = read_csv(b"email\na@example.com\nb@example.com\n")
    assert (table.delimiter, table.headers) == (",", ["email"])
    assert values(table) == [{"email": "a@example.com"}, {"email": "b@example.com"}]


def test_it_follows_excels_sep_hint_line():
    table = read_csv(b"sep=;\nname;note\nAnn;a,b\n")
    assert (table.delimiter, table.headers) == (";", ["name", "note"])
    assert table.rows == [(3, {"name": "Ann", "note": "a,b"})]


# --- newlines and blank lines -----------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"], ids=["crlf", "lf", "cr"])
def test_it_reads_every_kind_of_newline(newline):
    text = newline.join(["name,note", "Ann,one", '"Bob","two', 'lines"', "Cy,three"]) + newline
    table = read_csv(text.encode())
    assert table.rows == [
        (2, {"name": "Ann", "note": "one"}),
        (3, {"name": "Bob", "note": "two\nlines"}),
        (5, {"name": "Cy", "note": "three"}),
    ]


def test_it_reads_a_file_without_a_final_newline():
    assert read_csv(b"a,b\n1,2").rows == [(2, {"a": "1", "b": "2"})]


def test_it_skips_blank_lines_before_the_header_between_rows_and_after_the_last_row():
    data = b'\n  \n,,\n"",""\nname,email\n\nAnn,a@example.com\n , \n\t\nBob,b@example.com\n\n\n'
    table = read_csv(data)
    assert table.headers == ["name", "email"]
    assert table.rows == [
        (7, {"name": "Ann", "email": "a@example.com"}),
        (10, {"name": "Bob", "email": "b@example.com"}),
    ]


def test_it_keeps_newlines_inside_quotes_and_numbers_the_following_rows_by_physical_line():
    data = (
        b'name,address,email\nAnn,"1 Main St\nFlat 2\nSpringfield",a@example.com\n'
        b'\nBob,"x\r\ny",b@example.com\nCy,z,c@x\n'
    )
    table = read_csv(data)
    assert table.rows == [
        (2, {"name": "Ann", "address": "1 Main St\nFlat 2\nSpringfield", "email": "a@example.com"}),
        (6, {"name": "Bob", "address": "x\ny", "email": "b@example.com"}),
        (8, {"name": "Cy", "address": "z", "email": "c@x"}),
    ]


# --- quoting and values -----------------------------------------------------------------------------------


def test_it_keeps_a_quoted_delimiter_inside_the_value():
    table = read_csv(b'name,company\n"Smith, John","ACME, Inc."\n')
    assert values(table) == [{"name": "Smith, John", "company": "ACME, Inc."}]


def test_it_unescapes_doubled_quotes():
    table = read_csv(b'name,nick\nJohn,"The ""Boss"""\n')
    assert values(table) == [{"name": "John", "nick": 'The "Boss"'}]


def test_it_reads_a_quoted_value_after_a_space_following_the_delimiter():
    table = read_csv(b'name, company\nJohn, "ACME, Inc." \n')
    assert values(table) == [{"name": "John", "company": "ACME, Inc."}]


def test_it_strips_values_and_keeps_values_that_look_like_formulas():
    table = read_csv(b"a,b,c,d\n  =SUM(A1)  ,+49 30 1234,-5,@handle\n")
    assert values(table) == [{"a": "=SUM(A1)", "b": "+49 30 1234", "c": "-5", "d": "@handle"}]


def test_it_strips_whitespace_and_quotes_from_header_names():
    table = read_csv(b"  name  ,\" 'email' \",'phone'\nAnn,a@example.com,1\n")
    assert table.headers == ["name", "email", "phone"]


# --- row shape --------------------------------------------------------------------------------------------


def test_it_pads_short_rows_with_empty_values():
    table = read_csv(b"name,email,phone,city\nAnn,a@example.com\nBob\n")
    assert values(table) == [
        {"name": "Ann", "email": "a@example.com", "phone": "", "city": ""},
        {"name": "Bob", "email": "", "phone": "", "city": ""},
    ]


def test_it_ignores_extra_empty_cells_at_the_end_of_a_row():
    table = read_csv(b"name,email\nAnn,a@example.com,,, \n")
    assert values(table) == [{"name": "Ann", "email": "a@example.com"}]


def test_it_refuses_a_row_with_more_values_than_the_header_naming_the_line():
    data = b'a,b,c,d\n1,2,3,4\n"multi\nline",2,3,4\n\n\n1,2,3,4,5\n'
    assert refusal(data) == "Line 7 has 5 values but the header has 4 columns."


def test_it_counts_values_up_to_the_last_non_empty_one_in_a_too_long_row():
    assert refusal(b"email\na@example.com,,x,\n") == "Line 2 has 3 values but the header has 1 column."


# --- header -----------------------------------------------------------------------------------------------


def test_it_refuses_duplicate_header_names_whatever_their_case():
    message = refusal(b"name,Email,phone,EMAIL\nAnn,a@x,1,b@x\n")
    assert '"EMAIL" twice' in message
    assert "columns 2 and 4" in message


def test_it_refuses_an_empty_header_name_between_named_columns():
    assert refusal(b"name,email, ,phone\nAnn,a@x,,1\n") == "Column 3 has no name in the header line."


def test_it_drops_the_empty_column_a_trailing_delimiter_makes():
    table = read_csv(b"name;email;\nAnn;a@example.com;\nBob;b@example.com\n")
    assert table.headers == ["name", "email"]
    assert values(table) == [
        {"name": "Ann", "email": "a@example.com"},
        {"name": "Bob", "email": "b@example.com"},
    ]


def test_it_refuses_a_value_under_a_dropped_trailing_header():
    assert refusal(b"name,email,\nAnn,a@x,oops\n") == "Line 2 has 3 values but the header has 2 columns."


# --- broken files -----------------------------------------------------------------------------------------


def test_it_refuses_an_unterminated_quote_naming_the_line_where_the_value_began():
    data = b'name,note\nAnn,fine\nBob,"fine\nstill"\nCy,"never closed\nDan,x\nEve,y\n'
    assert refusal(data) == "The quote that opens a value on line 5 is never closed."


def test_it_refuses_an_unterminated_quote_in_the_header():
    assert "on line 2 is never closed" in refusal(b'\n"name,email\n')


def test_it_refuses_an_unterminated_quote_that_would_swallow_a_long_file():
    data = b'name,note\nAnn,"oops\n' + b"row,value\n" * 20_000
    message = refusal(data)
    assert "line 2" in message
    assert "closing quote" in message


def test_it_refuses_an_empty_file():
    assert refusal(b"") == "The file is empty."
    assert refusal(b"\r\n \n,,,\n") == "The file is empty."
    assert refusal(codecs.BOM_UTF8) == "The file is empty."
    assert refusal("\n".encode("utf-16")) == "The file is empty."


def test_it_refuses_a_file_with_only_a_header():
    assert refusal(b"name,email\n") == "The file has a header line but no rows."
    assert refusal(b"name,email\r\n\r\n,\r\n") == "The file has a header line but no rows."


def test_it_refuses_an_excel_workbook():
    message = refusal(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml")
    assert message == EXCEL
    assert "Excel workbook" in refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)


def test_it_refuses_a_pdf():
    assert "PDF" in refusal(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")


def test_it_refuses_nul_bytes_outside_utf16():
    assert "NUL" in refusal(b"name,email\nAnn,a@x\x00\x01\x02\x03\x00\x91\n")
    assert "NUL" in refusal(codecs.BOM_UTF16_LE + "a,b\n1,\x002\n".encode("utf-16-le"))


def test_it_refuses_more_rows_than_the_limit_naming_it():
    data = b"email\n" + b"".join(b"u%d@example.com\n" % i for i in range(1_001))
    assert len(read_csv(data, max_rows=1_001).rows) == 1_001
    message = refusal(data, max_rows=1_000)
    assert "1,000 rows" in message


# --- size -------------------------------------------------------------------------------------------------


def test_it_reads_a_hundred_thousand_rows_of_ten_columns():
    header = ",".join(f"column {c}" for c in range(10))
    body = "".join(",".join(f"value {r}.{c}" for c in range(10)) + "\r\n" for r in range(100_000))
    table = read_csv(f"{header}\r\n{body}".encode())
    assert len(table.rows) == 100_000
