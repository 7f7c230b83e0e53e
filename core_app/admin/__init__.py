"""Management back office (管理后台, S1 §3.5): hall information, matters, users, roles, masking rules."""
