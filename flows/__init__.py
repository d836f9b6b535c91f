"""Prefect flows (sweep, dispatch, simulate) over the plain functions beside them."""
