"""The guides' own segments (000 §2.2) and tiers (000 §5.1): seeded on every install, editable afterwards."""

SEGMENTS = [
    {
        "name": "Faculty",
        "key_needs": "Research support, classroom tech",
        "preferred_channels": ["email", "scheduled_call"],
        "communication_style": "Formal, detailed",
    },
    {
        "name": "Students",
        "key_needs": "24/7 access, quick fixes",
        "preferred_channels": ["chat", "self_service"],
        "communication_style": "Concise, visual",
    },
    {
        "name": "Staff",
        "key_needs": "Business applications",
        "preferred_channels": ["phone", "email"],
        "communication_style": "Efficient, solution-focused",
    },
    {
        "name": "Researchers",
        "key_needs": "High-performance computing",
        "preferred_channels": ["in_person", "video_call"],
        "communication_style": "Technical, in-depth",
    },
]

TIERS = [
    {"name": "Basic", "rank": 1, "includes": ["Standard support", "Knowledge base access"]},
    {
        "name": "Enhanced",
        "rank": 2,
        "includes": [
            "Standard support",
            "Knowledge base access",
            "Dedicated account manager",
            "Priority support",
        ],
    },
    {
        "name": "Premium",
        "rank": 3,
        "includes": [
            "Standard support",
            "Knowledge base access",
            "Dedicated account manager",
            "Priority support",
            "Quarterly business reviews",
            "Customized training",
        ],
    },
]
