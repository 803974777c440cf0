GRANT USAGE ON SCHEMA ${schema} TO "${db_user}"
