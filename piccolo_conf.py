"""Piccolo configuration: the engine comes from SAMLING_DATABASE_URL."""

from piccolo.conf.apps import AppRegistry

from service.db.engine import database_url, make_engine

DB = make_engine(database_url())

APP_REGISTRY = AppRegistry(apps=["service.db.piccolo_app"])
