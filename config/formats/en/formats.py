# Short dates spell the month: Django's "12/08/2026" reads as 8 December or 12 August
# depending on the reader (FORMAT_MODULE_PATH; the rest is Django's English).
SHORT_DATE_FORMAT = "j M Y"  # 8 Dec 2026
SHORT_DATETIME_FORMAT = "j M Y, P"  # 8 Dec 2026, 8:58 a.m.
