-- The refusals, file:line:field and reason, in the order found.
COPY pg_temp.imp_refusals FROM STDIN
