"""Run the API with uvicorn (``butler serve``)."""

import uvicorn

from core_app.config import get_settings


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the Cloud Butler API until interrupted."""
    uvicorn.run(
        "core_app.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level=get_settings().log_level.lower(),
        proxy_headers=False,
    )
