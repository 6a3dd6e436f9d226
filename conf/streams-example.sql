-- The seed's example (MonetDB TimeTrails), with the table its outcomes imply (reference/timetrails.md).
-- Run: bin/mplane sql --file conf/streams-example.sql, then bin/mplane streams run beside, then the inserts.
CREATE STREAM TABLE inputStream (val INT) SET WINDOW 4 STRIDE 2;

-- An ordinary PostgreSQL function over the stream table: its rows go to cquery.calcavg.
CREATE OR REPLACE FUNCTION calculateAverage() RETURNS TABLE (calc double precision)
    AS $$ SELECT AVG(val) FROM inputstream $$ LANGUAGE sql;

START CONTINUOUS FUNCTION calculateAverage() AS calcavg;
