"""Web UI: Chinese pages for village, township, county and city staff."""
