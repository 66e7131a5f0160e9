"""线上数据比对 + 线下走访排查: the lake of departmental data, matching against the registry, findings and
field-visit tasks; 低收入人口动态监测."""
