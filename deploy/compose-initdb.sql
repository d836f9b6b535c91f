CREATE DATABASE prefect OWNER obligations;
