-- The catalogue the import books against: a loan's product must exist, and its display
-- APR is the product's, as origination copies it.
SELECT product_code, apr_bp FROM products
