ALTER TABLE permits ADD COLUMN review_occasion TEXT;
ALTER TABLE permits ADD COLUMN review_due_on TEXT;
ALTER TABLE permits ADD COLUMN last_review_occasion TEXT;
UPDATE permits SET
    review_occasion = (SELECT occasion FROM reviews r WHERE r.permit_id = permits.permit_id),
    review_due_on = (SELECT due_on FROM reviews r WHERE r.permit_id = permits.permit_id),
    last_review_occasion = (SELECT last_occasion FROM reviews r WHERE r.permit_id = permits.permit_id);
CREATE INDEX permits_review_due ON permits (review_due_on) WHERE review_due_on IS NOT NULL;
DROP TABLE reviews;
