DROP TABLE web_people;
