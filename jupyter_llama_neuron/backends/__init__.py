"""The backend interface and its two implementations (SageMaker, local)."""
