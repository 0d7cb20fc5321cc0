"""OpenAPI links of /api/v1/ (a drf-spectacular post-processing hook, config/settings.py),
and what drf-spectacular cannot say by itself: REQUIRED_BODIES, and that request bodies are
closed (additionalProperties false: serializers.InputSerializer refuses unknown fields).

A link says which answer supplies another operation's ids: the contact a PUT returns is the
one to GET, PATCH or start a conversation for; the conversation a POST returns (or the first a
list returns) is the one to assign, resolve or post to. Clients read them as documentation;
stateful fuzzers (schemathesis) follow them, so they reach the rows they create instead of
guessing ids that exist nowhere.
"""

CONTACT = {
    "widget_key": "$response.body#/widget",
    "external_id": "$response.body#/external_id",
}
CONVERSATION = {"conversation_id": "$response.body#/id"}
FIRST_CONVERSATION = {"conversation_id": "$response.body#/results/0/id"}
FIRST_CONTACT = {
    "widget_key": "$response.body#/results/0/widget",
    "external_id": "$response.body#/results/0/contact/external_id",
}
CONVERSATION_OPERATIONS = (
    "conversation_get",
    "conversation_assign",
    "conversation_resolve",
    "message_list",
    "message_create",
)


def _to(operations, parameters) -> dict:
    return {
        operation: {"operationId": operation, "parameters": parameters} for operation in operations
    }


CONTACT_LINKS = {
    **_to(("contact_get", "contact_patch"), CONTACT),
    "conversation_create": {
        "operationId": "conversation_create",
        "requestBody": {
            "widget": "$response.body#/widget",
            "contact": "$response.body#/external_id",
        },
    },
}
# operationId -> status -> links
LINKS = {
    "contact_put": {"200": CONTACT_LINKS, "201": CONTACT_LINKS},
    "contact_patch": {"200": CONTACT_LINKS},
    "contact_get": {"200": CONTACT_LINKS},
    "conversation_create": {
        "200": _to(CONVERSATION_OPERATIONS, CONVERSATION),
        "201": _to(CONVERSATION_OPERATIONS, CONVERSATION),
    },
    "conversation_list": {
        "200": {
            **_to(CONVERSATION_OPERATIONS, FIRST_CONVERSATION),
            **_to(("contact_get", "contact_put", "contact_patch"), FIRST_CONTACT),
            "conversation_create": {
                "operationId": "conversation_create",
                "requestBody": {
                    "widget": FIRST_CONTACT["widget_key"],
                    "contact": FIRST_CONTACT["external_id"],
                },
            },
        }
    },
    "article_list": {"200": _to(("article_get",), {"article_id": "$response.body#/results/0/id"})},
    "rating_list": {
        "200": _to(
            ("conversation_get",), {"conversation_id": "$response.body#/results/0/conversation"}
        )
    },
}


# drf-spectacular marks a body required when its serializer has a required field; a one-of
# body (PolymorphicProxySerializer) has none of its own, though each of its shapes has some.
REQUIRED_BODIES = {"message_create"}


def _close(schema: dict, components: dict) -> None:
    """No properties but the declared ones, in a body's component or each of its one-of
    shapes (JSON Schema allows any others by default: a fuzzer would send, as schema-valid,
    fields the server refuses)."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    for shape in schema.get("oneOf", []):
        _close(shape, components)
    if schema.get("type") == "object":
        schema["additionalProperties"] = False


def postprocess(result, generator, request, public):
    components = result.get("components", {}).get("schemas", {})
    for path in result.get("paths", {}).values():
        for operation in path.values():
            operation_id = operation.get("operationId")
            if operation_id in REQUIRED_BODIES:
                operation["requestBody"]["required"] = True
            for content in operation.get("requestBody", {}).get("content", {}).values():
                _close(content["schema"], components)
            for status, links in LINKS.get(operation_id, {}).items():
                response = operation.get("responses", {}).get(status)
                if response is not None:
                    response["links"] = links
    return result
