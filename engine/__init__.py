"""TTHC engine: Vietnamese administrative procedures (thủ tục hành chính) on BPMN."""
