from pydantic import SecretStr

from ingest.identity import customer_key

SECRET = SecretStr("s3cret")


def test_one_customer_links_across_formats() -> None:
    keys = {customer_key(v, SECRET) for v in ("13812345678", "+86 138-1234-5678", "0086 138 1234 5678")}
    assert len(keys) == 1
    assert customer_key("Zhang@Example.com", SECRET) == customer_key("zhang@example.com ", SECRET)
    assert customer_key("+1 415-555-0134", SECRET) == customer_key("(415) 555-0134", SECRET)


def test_keys_hide_the_number_and_depend_on_the_secret() -> None:
    key = customer_key("13812345678", SECRET)
    assert key is not None and "13812345678" not in key and len(key) == 32
    assert customer_key("13812345678", SecretStr("other")) != key
    assert customer_key("13912345678", SECRET) != key
    assert customer_key("", SECRET) is None and customer_key(None, SECRET) is None
