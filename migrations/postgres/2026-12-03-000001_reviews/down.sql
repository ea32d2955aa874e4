ALTER TABLE permits ADD COLUMN review_occasion DATE;
ALTER TABLE permits ADD COLUMN review_due_on DATE;
ALTER TABLE permits ADD COLUMN last_review_occasion DATE;
UPDATE permits SET review_occasion = r.occasion, review_due_on = r.due_on, last_review_occasion = r.last_occasion
FROM reviews r WHERE r.permit_id = permits.permit_id;
CREATE INDEX permits_review_due ON permits (review_due_on) WHERE review_due_on IS NOT NULL;
DROP TABLE reviews;
