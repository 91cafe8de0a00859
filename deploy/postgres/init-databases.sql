-- Each service owns its database.
CREATE DATABASE kam_registry;
CREATE DATABASE kam_tiering;
CREATE DATABASE kam_service_desk;
CREATE DATABASE kam_reporting;
