"""Contract drafts: the clause library, clause selection by the engagement's facts, rendering."""
