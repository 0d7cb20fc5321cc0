"""The REST API's JSON parser: DRF's, plus the edge's text check (support/edge.py), so no
serializer field or JSON column ever sees a lone surrogate, NUL or an unbounded number.
Its own module: DRF reads DEFAULT_PARSER_CLASSES while rest_framework.views is loading."""

from rest_framework.parsers import JSONParser

from support import edge


class CheckedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        edge.text_check(data)
        return data
