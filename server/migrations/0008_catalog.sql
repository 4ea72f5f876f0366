-- The lists an admin edits 数据字典 (issue 5): industry, size, business type and source as data.
-- Regions stay in `regions` (teams and managers hang on them) and get an order. A list's options
-- are filled with the starter options by `kedao::catalog::ensure_starter` (the names live once, in
-- `kedao_app::domain::catalog`). Codes are stable; an option is retired, not deleted, once used.
CREATE TABLE catalog_options (
    list     TEXT NOT NULL,
    code     TEXT NOT NULL,
    name_zh  TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    position INTEGER NOT NULL,
    active   BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (list, code)
);

ALTER TABLE regions ADD COLUMN position INTEGER NOT NULL DEFAULT 0;

-- Counter 3: the catalogue's version, moved on by every change to a list, so a device knows
-- whether its copy is current.
INSERT INTO sync_counter (id, value) VALUES (3, 1);
