"""Message-warning configuration (消息预警): threshold rules and their recipients."""
