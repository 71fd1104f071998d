DROP TABLE gift_images;
