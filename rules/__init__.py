"""Pure deadline rules: no Prefect, no database, no network; every function takes the clock as input."""
