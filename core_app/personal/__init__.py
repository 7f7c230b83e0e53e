"""The personal space (个人政务空间): citizens' and enterprises' own records and recommendations."""
