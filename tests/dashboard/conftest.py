from tests.savings.conftest import books, member, products  # noqa: F401
