"""Feature pipelines: records from core_app -> text features, portraits, matter-association graphs."""
