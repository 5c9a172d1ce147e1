-- The categories the service starts with and the typed attributes each carries beyond the core columns.
-- Labels are in English and Simplified Chinese; clients read them from GET /api/v1/categories.

insert into categories (id, sort_order, labels, attribute_schema) values
('toilet', 1, '{"en": "Toilet", "zh-Hans": "公共厕所"}', '{
  "hand_washing": {"type": "boolean", "labels": {"en": "Hand washing", "zh-Hans": "洗手设施"}},
  "toilet_paper": {"type": "boolean", "labels": {"en": "Toilet paper", "zh-Hans": "厕纸"}},
  "squat":        {"type": "boolean", "labels": {"en": "Squat toilets", "zh-Hans": "蹲厕"}},
  "indoor":       {"type": "boolean", "labels": {"en": "Indoors", "zh-Hans": "室内"}},
  "disposal":     {"type": "enum", "values": ["flush", "chemical", "pitlatrine"],
                   "labels": {"en": "Disposal", "zh-Hans": "排污方式"},
                   "value_labels": {"flush": {"en": "Flush", "zh-Hans": "冲水"},
                                    "chemical": {"en": "Chemical", "zh-Hans": "化学"},
                                    "pitlatrine": {"en": "Pit latrine", "zh-Hans": "旱厕"}}}
}'),
('drinking_water', 2, '{"en": "Drinking water", "zh-Hans": "饮水点"}', '{
  "bottle_refill": {"type": "boolean", "labels": {"en": "Bottle refill", "zh-Hans": "可灌装水瓶"}},
  "dog_bowl":      {"type": "boolean", "labels": {"en": "Dog bowl", "zh-Hans": "宠物饮水"}},
  "seasonal":      {"type": "boolean", "labels": {"en": "Seasonal", "zh-Hans": "季节性开放"}}
}'),
('aed', 3, '{"en": "Defibrillator (AED)", "zh-Hans": "自动体外除颤器 (AED)"}', '{
  "indoor":               {"type": "boolean", "labels": {"en": "Indoors", "zh-Hans": "室内"}},
  "level":                {"type": "string", "max_length": 50, "labels": {"en": "Floor", "zh-Hans": "楼层"}},
  "location_description": {"type": "string", "max_length": 500, "labels": {"en": "Where exactly", "zh-Hans": "具体位置"}},
  "cabinet_locked":       {"type": "boolean", "labels": {"en": "Locked cabinet", "zh-Hans": "柜子上锁"}}
}'),
('shower', 4, '{"en": "Shower", "zh-Hans": "淋浴"}', '{
  "hot_water": {"type": "boolean", "labels": {"en": "Hot water", "zh-Hans": "热水"}},
  "indoor":    {"type": "boolean", "labels": {"en": "Indoors", "zh-Hans": "室内"}}
}'),
('bench', 5, '{"en": "Bench", "zh-Hans": "长椅"}', '{
  "backrest": {"type": "boolean", "labels": {"en": "Backrest", "zh-Hans": "靠背"}},
  "covered":  {"type": "boolean", "labels": {"en": "Covered", "zh-Hans": "有遮挡"}},
  "seats":    {"type": "integer", "min": 1, "max": 20, "labels": {"en": "Seats", "zh-Hans": "座位数"}},
  "material": {"type": "enum", "values": ["wood", "metal", "stone", "concrete", "plastic"],
               "labels": {"en": "Material", "zh-Hans": "材质"},
               "value_labels": {"wood": {"en": "Wood", "zh-Hans": "木"}, "metal": {"en": "Metal", "zh-Hans": "金属"},
                                "stone": {"en": "Stone", "zh-Hans": "石"}, "concrete": {"en": "Concrete", "zh-Hans": "混凝土"},
                                "plastic": {"en": "Plastic", "zh-Hans": "塑料"}}}
}');

-- Contributions made through this service are one dataset of kind "community", so every value has a source.
insert into datasets (id, kind, name, license, attribution) values
('00000000-0000-0000-0000-000000000001', 'community', 'Facilities community', 'ODbL-1.0',
 '© Facilities contributors, ODbL 1.0');
