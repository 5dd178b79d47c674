"""Qt-free analytics over the store: KPIs, RAG, bottlenecks, allocation, forecasts."""
