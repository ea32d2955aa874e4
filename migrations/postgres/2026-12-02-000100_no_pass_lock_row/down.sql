CREATE TABLE pass_lock (
    name   TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL
);
INSERT INTO pass_lock (name, holder) VALUES ('pass', '');
