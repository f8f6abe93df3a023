"""Where a point is: the town's villages and hamlets."""
