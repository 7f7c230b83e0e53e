"""Dependencies shared by the routes."""

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from core_app.db.session import get_session

SessionDep = Annotated[Session, Depends(get_session)]
