"""Events (诉求/事件) reported by citizens, grid workers and upstream platforms."""
