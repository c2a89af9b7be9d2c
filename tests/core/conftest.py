"""Store fixtures (sqlite/postgresql `engine`) live in tests/conftest.py so every package can use them."""
