"""Masking of personal data for lists, notices and exports."""


def mask_id(value: str | None, last4: str | None = None) -> str:
    """Show a resident ID as its region code, eight stars and its last four: 320502********1234."""
    if value:
        value = value.strip()
        if len(value) == 18:
            return f"{value[:6]}********{value[-4:]}"
        return "*" * max(len(value) - 4, 0) + value[-4:]
    if last4:
        return f"**************{last4}"
    return ""


def mask_name(name: str | None) -> str:
    """Mask a name for public notices: 张三明 → 张*明, 张三 → 张*, a single character stays."""
    if not name:
        return ""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_account(value: str | None) -> str:
    """Show a bank account as its last four digits only."""
    if not value:
        return ""
    digits = value.replace(" ", "")
    return "**** **** " + digits[-4:]
