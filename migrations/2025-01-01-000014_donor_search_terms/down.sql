DROP TABLE donor_search_terms;
