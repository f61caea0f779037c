"""The live dashboard (`make dashboard`): the warehouse and the stream on one screen.

`snapshot` opens what a page reads, `figures` computes what it shows (plain functions over a
DuckDB connection, tested without a browser), `app` is the Streamlit script that draws it and
`service` starts and stops the server on loopback like the services of the local stack.
"""
