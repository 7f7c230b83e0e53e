"""Information publishing (信息发布): notices, policies, guides and LED banners."""
