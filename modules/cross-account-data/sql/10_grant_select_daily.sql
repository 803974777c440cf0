GRANT SELECT ON TABLE ${schema}.sales_daily TO "${db_user}"
