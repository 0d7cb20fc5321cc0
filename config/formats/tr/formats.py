# As English (config/formats/en): the month spelled, no leading zero on the day.
SHORT_DATE_FORMAT = "j M Y"  # 8 Ara 2026
SHORT_DATETIME_FORMAT = "j M Y H:i"  # 8 Ara 2026 08:58
