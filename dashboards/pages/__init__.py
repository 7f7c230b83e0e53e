"""One module per page; each calls ``dash.register_page`` and defines its own callbacks."""
