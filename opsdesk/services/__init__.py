"""Use cases. Each public function is one user action: it opens one transaction, validates, writes an audit
event with every change, and returns plain DTOs. Nothing above this layer sees a Session."""
