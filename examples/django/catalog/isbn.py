"""ISBN-10/ISBN-13 checking and conversion for the catalogue (pure functions, no database)."""


class InvalidISBN(ValueError):
    pass


def clean(raw):
    """Strip spaces and hyphens; upper-case a final x."""
    return "".join(ch for ch in str(raw) if ch not in " -").upper()


def isbn10_check_digit(first9):
    total = sum((10 - i) * int(d) for i, d in enumerate(first9))
    value = (11 - total % 11) % 11
    return "X" if value == 10 else str(value)


def isbn13_check_digit(first12):
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return str((10 - total % 10) % 10)


def is_valid(raw):
    code = clean(raw)
    if len(code) == 10:
        return code[:9].isdigit() and (code[9].isdigit() or code[9] == "X") \
            and isbn10_check_digit(code[:9]) == code[9]
    if len(code) == 13:
        return code.isdigit() and code[:3] in ("978", "979") \
            and isbn13_check_digit(code[:12]) == code[12]
    return False


def to_isbn13(raw):
    """Normalise any valid ISBN to its 13-digit form."""
    code = clean(raw)
    if not is_valid(code):
        raise InvalidISBN("not a valid ISBN: %r" % raw)
    if len(code) == 13:
        return code
    body = "978" + code[:9]
    return body + isbn13_check_digit(body)


def to_isbn10(raw):
    """The 10-digit form, which only 978- ISBNs have."""
    code = to_isbn13(raw)
    if not code.startswith("978"):
        raise InvalidISBN("a 979- ISBN has no ISBN-10 form: %r" % raw)
    body = code[3:12]
    return body + isbn10_check_digit(body)


def hyphenate13(raw):
    """A simple display form: prefix-group+publisher+title-check (not range-exact)."""
    code = to_isbn13(raw)
    return "%s-%s-%s-%s" % (code[:3], code[3], code[4:12], code[12])
