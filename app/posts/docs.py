"""OpenAPI fragments for posts."""

from app.docs.common import (
    BEARER,
    CURSOR_PARAMETER,
    LINK_HEADER,
    PAGE_PARAMETERS,
    TIMESTAMP,
    UUID,
    body_errors,
    either_page,
    errors,
    json_body,
    json_content,
    pages_of,
    ref,
    uuid_path_parameter,
)
from app.posts import attachments  # capability: uploads
from app.text import NOT_BLANK

TAGS = {
    "type": "array",
    "maxItems": 10,
    "description": "Stored trimmed, lower-case and without duplicates.",
    "items": {"type": "string", "minLength": 1, "maxLength": 30, "pattern": NOT_BLANK},
    "example": ["flask", "mongodb", "howto"],
}
STATUS = {
    "type": "string",
    "enum": ["draft", "published"],
    "description": "Drafts are visible only to their author and admins.",
}
TITLE = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NOT_BLANK, "example": "Hello, MongoDB"}
BODY = {"type": "string", "minLength": 1, "maxLength": 20000, "pattern": NOT_BLANK, "example": "My first post."}

POST_EXAMPLE = {
    "id": "6a1f0c3e-2b4d-4f6a-8e9b-0c1d2e3f4a5b",
    "author": "3f2b6c1e-8d4a-4e8b-9a57-0c1d2e3f4a5b",
    "title": "Hello, MongoDB",
    "body": "My first post.",
    "tags": ["flask", "mongodb"],
    "status": "published",
    "version": 1,
    "attachments": [],  # capability: uploads
    "createdAt": "2026-01-31T12:00:00.000Z",
    "updatedAt": "2026-01-31T12:00:00.000Z",
}

# Every field the server always sends is required: typed clients rely on it (tests/test_spec_rules.py).
POST = {
    "type": "object",
    "required": [
        *("id", "author", "title", "body", "tags", "status", "version", "createdAt", "updatedAt"),
        "attachments",  # capability: uploads
    ],
    "properties": {
        "id": UUID,
        "author": {**UUID, "description": "The author's user id."},
        "title": TITLE,
        "body": BODY,
        "tags": TAGS,
        "status": STATUS,
        "version": {"type": "integer", "minimum": 1, "readOnly": True, "description": "Grows by one per change."},
        "attachments": {"type": "array", "maxItems": 10, "items": ref("Attachment")},  # capability: uploads
        "createdAt": TIMESTAMP,
        "updatedAt": TIMESTAMP,
    },
}

POST_CREATE = {
    "type": "object",
    "description": "A new post; the author is the caller. `status` defaults to draft.",
    "required": ["title", "body"],
    "additionalProperties": False,
    "properties": {
        **{"title": TITLE, "body": BODY, "tags": TAGS, "status": STATUS},
        "attachments": attachments.ATTACHMENT_IDS,  # capability: uploads
    },
}

POST_UPDATE = {
    "type": "object",
    "description": "A partial update: only the fields sent change.",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        **{"title": TITLE, "body": BODY, "tags": TAGS, "status": STATUS},
        "attachments": attachments.ATTACHMENT_IDS,  # capability: uploads
    },
}

SCHEMAS = {"Post": POST, **pages_of("Post"), "PostCreate": POST_CREATE, "PostUpdate": POST_UPDATE}

POST_ID = uuid_path_parameter("postId", "The post's id.")

ETAG_HEADER = {"ETag": {"description": 'The strong ETag of this version, e.g. `"v3"`.', "schema": {"type": "string"}}}
CACHE_CONTROL = {
    "Cache-Control": {
        "description": "`private, no-cache`: revalidate with If-None-Match.",
        "schema": {"type": "string", "example": "private, no-cache"},
    }
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": 'Optional. The ETag you last read, e.g. `"v1"`; the change is made only if the post is '
    "still at that version (412 otherwise). Without it, the last writer wins.",
    "schema": {"type": "string"},  # no example: Swagger UI would send it and get a 304/412 by surprise
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": 'The ETag you hold, e.g. `"v1"`; 304 with no body when it is still current.',
    "schema": {"type": "string"},  # no example: Swagger UI would send it and get a 304/412 by surprise
}

COMMON_FILTERS = [
    {
        "name": "sort",
        "in": "query",
        "description": (
            "Order by createdAt, updatedAt or title, then by id (equal values keep one order); "
            "a leading `-` sorts descending."
        ),
        "schema": {
            "type": "string",
            "enum": ["createdAt", "-createdAt", "updatedAt", "-updatedAt", "title", "-title"],
            "default": "-createdAt",
        },
    },
    {
        "name": "tag",
        "in": "query",
        "description": "Only posts with this tag (compared trimmed and lower-case).",
        "schema": {"type": "string", "minLength": 1, "maxLength": 30, "pattern": NOT_BLANK},
    },
    {
        "name": "q",
        "in": "query",
        "description": "Text searched for in title and body, case-insensitively and literally (no patterns).",
        "schema": {"type": "string", "minLength": 1, "maxLength": 100},
    },
]
AUTHOR_FILTER = {
    "name": "author",
    "in": "query",
    "description": "Only posts by this user id.",
    "schema": {"type": "string", "format": "uuid"},
}
STATUS_FILTER = {
    "name": "status",
    "in": "query",
    "description": "Only drafts, or only published posts.",
    "schema": STATUS,
}

PAGE_EXAMPLE = {"items": [POST_EXAMPLE], "page": 1, "perPage": 20, "total": 1, "totalPages": 1}
PAGING = (
    " Page by number (`page`, with `total`) or, for long lists, by `cursor` (each page's `nextCursor`): "
    "cursor pages cost the same at any depth, skip the count and stay stable while posts are added."
)


def list_response(description: str) -> dict:
    """The 200 of a post list: a numbered page, or a cursor page when asked with `cursor`."""
    return {
        "description": description,
        "headers": LINK_HEADER,
        "content": json_content(either_page("Post"), PAGE_EXAMPLE),
    }


def item_response(description: str) -> dict:
    """A post with its ETag."""
    return {
        "description": description,
        "headers": {**ETAG_HEADER, **CACHE_CONTROL},
        "content": json_content(ref("Post"), POST_EXAMPLE),
    }


PATHS = {
    "/api/v1/posts": {
        "get": {
            "operationId": "listPosts",
            "summary": "List published posts",
            "description": "Public. Paged, sortable, filterable by tag and author, searchable with `q`. "
            "A page past the end is empty." + PAGING,
            "tags": ["posts"],
            "security": [],
            "parameters": [*PAGE_PARAMETERS, CURSOR_PARAMETER, *COMMON_FILTERS, AUTHOR_FILTER],
            "responses": {"200": list_response("One page of published posts."), **errors(400)},
        },
        "post": {
            "operationId": "createPost",
            "summary": "Write a post",
            "description": "403 when publishing from an account whose e-mail address is still unverified "
            "`UNVERIFIED_GRACE_HOURS` (24) after signing up; drafts are always allowed. 429 naming "
            "`QUOTA_POSTS_PER_DAY` once you created that many posts (imports included) in the last 24 hours; "
            "`Retry-After` says when one frees.",
            "tags": ["posts"],
            "security": BEARER,
            "requestBody": json_body(
                "PostCreate",
                {
                    "title": "Hello, MongoDB",
                    "body": "My first post.",
                    "tags": ["Flask", "mongodb"],
                    "status": "published",
                },
            ),
            "responses": {
                "201": {
                    **item_response("The new post."),
                    "headers": {
                        **ETAG_HEADER,
                        **CACHE_CONTROL,
                        "Location": {"description": "The new post's URL.", "schema": {"type": "string"}},
                    },
                    # OpenAPI links: tools (and the fuzzer's stateful phase) follow a created post to its item calls.
                    "links": {
                        name: {"operationId": operation, "parameters": {"postId": "$response.body#/id"}}
                        for name, operation in (
                            ("GetPost", "getPost"),
                            ("UpdatePost", "updatePost"),
                            ("DeletePost", "deletePost"),
                        )
                    },
                },
                **body_errors(401, 403),
            },
        },
    },
    "/api/v1/posts/{postId}": {
        "parameters": [POST_ID],
        "get": {
            "operationId": "getPost",
            "summary": "Show a post",
            "description": "Public for published posts. A draft is shown only to its author and admins "
            "(send your token); anyone else gets 404. A malformed id is a 404 too.",
            "tags": ["posts"],
            "security": [{}, {"bearerAuth": []}],
            "parameters": [IF_NONE_MATCH],
            "responses": {
                "200": item_response("The post."),
                "304": {"description": "Not modified: your copy (If-None-Match) is current.", "headers": ETAG_HEADER},
                **errors(401, 404),
            },
        },
        "patch": {
            "operationId": "updatePost",
            "summary": "Change a post (author or admin)",
            "description": "Partial update; every change increases `version` and the ETag. If-Match is optional: "
            "send it to make the change only if nobody changed the post since you read it. "
            "Others get 403 on a published post and 404 on a draft.",
            "tags": ["posts"],
            "security": BEARER,
            "parameters": [IF_MATCH],
            "requestBody": json_body("PostUpdate", {"title": "Hello again, MongoDB", "status": "published"}),
            "responses": {"200": item_response("The changed post."), **body_errors(401, 403, 404, 412)},
        },
        "delete": {
            "operationId": "deletePost",
            "summary": "Delete a post (author or admin)",
            "description": "If-Match is optional, as for PATCH. Others get 403 on a published post and 404 on a draft.",
            "tags": ["posts"],
            "security": BEARER,
            "parameters": [IF_MATCH],
            "responses": {"204": {"description": "Deleted."}, **errors(401, 403, 404, 412)},
        },
    },
    "/api/v1/me/posts": {
        "get": {
            "operationId": "listMyPosts",
            "summary": "List my posts, drafts included",
            "description": "Same paging, sorting, `tag` and `q` as the public list, plus `status`." + PAGING,
            "tags": ["posts", "me"],
            "security": BEARER,
            "parameters": [*PAGE_PARAMETERS, CURSOR_PARAMETER, *COMMON_FILTERS, STATUS_FILTER],
            "responses": {"200": list_response("One page of your posts."), **errors(400, 401)},
        },
    },
}
