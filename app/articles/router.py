"""HTTP routes for articles: validate, call the service, shape the response."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.articles import service
from app.articles.schemas import ArticleCreate, ArticleDetail, ArticleIngested, ArticlePage
from app.dependencies import SessionDep, SettingsDep, WriteKey
from app.openapi import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/articles", tags=["articles"], responses=PROBLEM_RESPONSES)


@router.post(
    "",
    response_model=ArticleIngested,
    status_code=status.HTTP_201_CREATED,
    dependencies=[WriteKey],
    summary="Ingest an article: resolve its dates and store its events",
    responses={200: {"model": ArticleIngested, "description": "Already stored; nothing added."}},
)
def ingest_article(
    body: ArticleCreate, session: SessionDep, settings: SettingsDep, response: Response
) -> ArticleIngested:
    ingested = service.ingest(session, body, max_text_bytes=settings.max_text_bytes)
    if not ingested.created:
        response.status_code = status.HTTP_200_OK
    return ingested


@router.get("", response_model=ArticlePage, summary="List articles, newest first")
def list_articles(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ArticlePage:
    return service.list_articles(session, limit=limit, cursor=cursor)


@router.get("/{article_id}", response_model=ArticleDetail, summary="An article with its mentions")
def get_article(article_id: uuid.UUID, session: SessionDep) -> ArticleDetail:
    return service.get(session, article_id)


@router.delete(
    "/{article_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[WriteKey],
    summary="Delete an article; events only it backed go too",
)
def delete_article(article_id: uuid.UUID, session: SessionDep) -> Response:
    service.delete(session, article_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
