DROP TABLE service_info;
