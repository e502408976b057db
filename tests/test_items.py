"""The Article item and its committed JSON Schema stay in step."""

from dataclasses import fields

from crawler.items import EXPORTED_FIELDS, TRANSIENT_FIELDS, Article, article_schema


def test_schema_lists_exactly_the_exported_fields():
    schema = article_schema()
    assert set(schema["properties"]) == set(EXPORTED_FIELDS)
    assert set(schema["required"]) == set(EXPORTED_FIELDS)
    assert schema["additionalProperties"] is False


def test_transient_fields_exist_and_are_not_exported():
    names = {f.name for f in fields(Article)}
    assert TRANSIENT_FIELDS <= names
    assert not TRANSIENT_FIELDS & set(EXPORTED_FIELDS)
