"""TinyDB 4.9's own tests against open_tinydb; a package, so this conftest shadows no other."""
