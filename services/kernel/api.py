"""Routes declared with pydantic models: one declaration validates requests and documents them.

``Api.route`` wraps a Flask view: the JSON body (and query string) are parsed into the
declared models (bad input becomes problem+json with the field at fault), the returned
model is serialised, and the same models produce the service's OpenAPI 3.1 document.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from pydantic import BaseModel, ValidationError

from .errors import (
    CODE_PATTERN, KERNEL_CODES, PROBLEM_BASE, JsonTooDeep, MalformedJson, UnsupportedMediaType, ValidationFailed,
)

#: Deepest nesting of arrays and objects a request body may have; no schema here needs more
#: than a handful of levels, and Python's JSON parser recurses once per level.
MAX_JSON_DEPTH = 64
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth_exceeds(raw: bytes, max_depth: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays/objects in ``raw`` nest deeper than ``max_depth`` (strings are skipped)."""
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return False
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub(b"", raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def load_json(raw: bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse a JSON request body: 400 ``json-too-deep`` before any recursion, 400 ``malformed-json``."""
    if json_depth_exceeds(raw, max_depth):
        raise JsonTooDeep(f"Nội dung JSON lồng nhau quá {max_depth} cấp.", field="body")
    try:
        return json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise MalformedJson(field="body") from None

_VI_MESSAGES = {
    "missing": "bắt buộc phải có",
    "string_too_short": "quá ngắn",
    "string_too_long": "quá dài",
    "string_type": "phải là chuỗi ký tự",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "float_parsing": "phải là số",
    "bool_parsing": "phải là đúng/sai",
    "date_from_datetime_parsing": "phải là ngày hợp lệ (YYYY-MM-DD)",
    "date_parsing": "phải là ngày hợp lệ (YYYY-MM-DD)",
    "datetime_parsing": "phải là thời điểm hợp lệ",
    "literal_error": "không nằm trong các giá trị cho phép",
    "enum": "không nằm trong các giá trị cho phép",
    "extra_forbidden": "không được phép có",
    "greater_than_equal": "quá nhỏ",
    "less_than_equal": "quá lớn",
    "greater_than": "quá nhỏ",
    "less_than": "quá lớn",
    "string_pattern_mismatch": "không đúng định dạng",
    "value_error": "không hợp lệ",
    "list_type": "phải là danh sách",
    "dict_type": "phải là đối tượng",
    "model_type": "phải là đối tượng",
}


def validation_problem(exc: ValidationError, *, where: str = "body") -> ValidationFailed:
    """A 422 naming the first field at fault, in Vietnamese, with every error listed."""
    errors = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or where
        msg = _VI_MESSAGES.get(err["type"], "không hợp lệ")
        if err["type"] == "value_error" and err.get("ctx", {}).get("error"):
            msg = str(err["ctx"]["error"])
        errors.append({"field": field, "message": msg})
    first = errors[0] if errors else {"field": where, "message": "không hợp lệ"}
    return ValidationFailed(f"Trường «{first['field']}» {first['message']}.", field=first["field"], extra={"errors": errors})


def parse_body(model: type[BaseModel]) -> BaseModel:
    """The request's JSON body as ``model``; 415, 400 or 422 problems otherwise."""
    if not request.mimetype or request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise UnsupportedMediaType("Nội dung phải là JSON (Content-Type: application/json).")
    data = load_json(request.get_data(cache=False))
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_problem(exc) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    data: dict[str, Any] = {}
    for key in request.args:
        values = request.args.getlist(key)
        field = model.model_fields.get(key)
        is_list = field is not None and "list" in str(field.annotation).lower()
        data[key] = values if is_list else values[-1]
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_problem(exc, where="query") from None


class Api:
    """Collects route declarations of one service and renders its OpenAPI document."""

    def __init__(self, *, title: str, version: str = "1.0.0", description: str = "",
                 problem_codes: Mapping[str, str] | None = None) -> None:
        self.title = title
        self.version = version
        self.description = description
        self.problem_codes: dict[str, str] = {**KERNEL_CODES, **(problem_codes or {})}
        self._paths: dict[str, dict[str, Any]] = {}
        #: (method, Flask rule) of the routes declared ``public`` (no token, so no scope either).
        self.public_routes: set[tuple[str, str]] = set()
        self._schemas: dict[str, Any] = {}

    def _schema_ref(self, model: type[BaseModel]) -> dict[str, str]:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in schema.pop("$defs", {}).items():
            self._schemas[name] = sub
        self._schemas[model.__name__] = schema
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    def route(
        self,
        target: Blueprint | Flask,
        rule: str,
        *,
        methods: Iterable[str] = ("GET",),
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        summary: str = "",
        tags: Iterable[str] = (),
        public: bool = False,
        raw_body: str | None = None,
        raw_response: str | None = None,
        prefix: str = "",
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a view. The view receives ``body=``/``query=`` models and may return a model."""
        methods = tuple(m.upper() for m in methods)

        def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(fn)
            def view(**kwargs: Any) -> Any:
                if body is not None:
                    kwargs["body"] = parse_body(body)
                if query is not None:
                    kwargs["query"] = parse_query(query)
                result = fn(**kwargs)
                if isinstance(result, BaseModel):
                    resp = jsonify(result.model_dump(mode="json"))
                    resp.status_code = status
                    return resp
                if isinstance(result, (dict, list)):
                    resp = jsonify(result)
                    resp.status_code = status
                    return resp
                return result

            target.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=list(methods))
            url_prefix = prefix or (getattr(target, "url_prefix", None) or "")
            self._document(url_prefix + rule, methods, body, query, response, status, summary or (fn.__doc__ or "").strip().split("\n")[0], tags, public, raw_body, raw_response)
            return view

        return decorate

    def _document(self, rule: str, methods: tuple[str, ...], body: Any, query: Any, response: Any, status: int, summary: str, tags: Iterable[str], public: bool, raw_body: str | None, raw_response: str | None) -> None:
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
        params = [{"name": n, "in": "path", "required": True, "schema": {"type": "string"}} for n in re.findall(r"{([^}]+)}", path)]
        if query is not None:
            qschema = query.model_json_schema()
            for name, prop in qschema.get("properties", {}).items():
                params.append({"name": name, "in": "query", "required": name in qschema.get("required", []), "schema": prop})
        for method in methods:
            op: dict[str, Any] = {"summary": summary, "tags": list(tags), "parameters": params, "responses": {}}
            if body is not None:
                op["requestBody"] = {"required": True, "content": {"application/json": {"schema": self._schema_ref(body)}}}
            elif raw_body:
                op["requestBody"] = {"required": True, "content": {raw_body: {"schema": {"type": "string", "format": "binary"}}}}
            if response is not None:
                op["responses"][str(status)] = {"description": "OK", "content": {"application/json": {"schema": self._schema_ref(response)}}}
            elif raw_response:
                op["responses"][str(status)] = {"description": "OK", "content": {raw_response: {"schema": {"type": "string", "format": "binary"}}}}
            else:
                op["responses"][str(status)] = {"description": "OK"}
            op["responses"]["default"] = {"description": "Lỗi (RFC 9457)", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
            if public:
                op["security"] = []
                self.public_routes.add((method, rule))
            else:
                op["x-rule"] = rule
            self._paths.setdefault(path, {})[method.lower()] = op

    def document(self, *, scope_for: Callable[[str, str], str] | None = None) -> dict[str, Any]:
        """The OpenAPI document; ``scope_for(method, rule)`` names each protected operation's API scope."""
        paths: dict[str, dict[str, Any]] = {}
        for path, ops in self._paths.items():
            paths[path] = {}
            for method, op in ops.items():
                op = {k: v for k, v in op.items() if k != "x-rule"}
                if scope_for is not None and "x-rule" in ops[method]:
                    op["security"] = [{"bearer": [scope_for(method.upper(), ops[method]["x-rule"])]}]
                paths[path][method] = op
        schemas = dict(self._schemas)
        schemas["Problem"] = {
            "type": "object",
            "properties": {
                "type": {"type": "string", "description": "Stable URI: " + PROBLEM_BASE + "{code}."},
                "code": {"type": "string", "pattern": CODE_PATTERN, "enum": sorted(self.problem_codes),
                         "description": "Stable machine code; callers branch on it, never on title or detail.",
                         "x-codes": dict(sorted(self.problem_codes.items()))},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "field": {"type": "string"},
                "request_id": {"type": "string"},
            },
            "required": ["type", "code", "title", "status"],
        }
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version, "description": self.description},
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            },
            "security": [{"bearer": []}],
        }


def json_response(data: Any, status: int = 200) -> Response:
    resp = jsonify(data)
    resp.status_code = status
    return resp
